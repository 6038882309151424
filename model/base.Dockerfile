# Not built: it holds the pinned base for Dependabot, which updates `FROM` lines but not the
# `ARG BASE_IMAGE` default that model/Dockerfile builds from (dependabot/dependabot-core#10190).
# When Dependabot moves this digest, copy it into that default: tests/model/test_packaging.py
# fails until both agree.
FROM python:3.11.14-slim-bookworm@sha256:65a93d69fa75478d554f4ad27c85c1e69fa184956261b4301ebaf6dbb0a3543d
