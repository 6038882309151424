"""The app on this machine with no AWS account: what `make up` and the tests run locally."""
