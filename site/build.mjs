// Build site/src into site/dist: one hashed JS bundle, one hashed CSS file, index.html with their
// names filled in, and the example CSVs copied byte for byte. Prints the JS + CSS size (raw and
// gzipped) and fails when it exceeds the 100 KB gzipped budget.
//   node build.mjs              build, then report the size
//   node build.mjs --size-only  report the size of an existing dist/
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(fileURLToPath(import.meta.url));
const src = join(root, "src");
const dist = join(root, "dist");
const BUDGET_GZIP_BYTES = 100 * 1024;

async function bundle() {
  await rm(dist, { recursive: true, force: true });
  const result = await build({
    entryPoints: [join(src, "main.js")],
    outdir: join(dist, "assets"),
    entryNames: "[name]-[hash]",
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2020",
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => relative(dist, join(root, p)));
  const js = outputs.find((p) => p.endsWith(".js"));
  const css = outputs.find((p) => p.endsWith(".css"));
  if (!js || !css) throw new Error(`expected one .js and one .css output, got ${outputs}`);

  const template = await readFile(join(src, "index.html"), "utf8");
  if (!template.includes("%JS%") || !template.includes("%CSS%")) {
    throw new Error("src/index.html must contain the %JS% and %CSS% placeholders");
  }
  await writeFile(join(dist, "index.html"), template.replace("%JS%", js).replace("%CSS%", css));

  await mkdir(join(dist, "examples"), { recursive: true });
  for (const name of await readdir(join(src, "examples"))) {
    await copyFile(join(src, "examples", name), join(dist, "examples", name));
  }
}

async function measure() {
  const files = (await readdir(join(dist, "assets"))).filter((f) => /\.(js|css)$/.test(f));
  let raw = 0;
  let gzip = 0;
  for (const name of files.sort()) {
    const data = await readFile(join(dist, "assets", name));
    const gz = gzipSync(data, { level: 9 }).length;
    raw += data.length;
    gzip += gz;
    console.log(`  assets/${name}  ${(data.length / 1024).toFixed(1)} KB raw, ${(gz / 1024).toFixed(1)} KB gzipped`);
  }
  console.log(
    `JS + CSS: ${(raw / 1024).toFixed(1)} KB raw, ${(gzip / 1024).toFixed(1)} KB gzipped ` +
      `(budget ${BUDGET_GZIP_BYTES / 1024} KB gzipped)`,
  );
  if (gzip > BUDGET_GZIP_BYTES) {
    console.error("over the size budget");
    process.exit(1);
  }
}

if (!process.argv.includes("--size-only")) await bundle();
await measure();
