// Builds the player into ../web-dist/player: tsc for the page's modules and,
// separately (WebWorker types), the service worker; then the static files and
// files.json, the list the service worker pre-caches. Deterministic: the same
// sources give the same bytes.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "web-dist", "player");
const tsc = join(here, "node_modules", "typescript", "bin", "tsc");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const project of ["tsconfig.json", "tsconfig.sw.json"]) {
  execFileSync(process.execPath, [tsc, "-p", join(here, project)], { stdio: "inherit" });
}
const statics = join(here, "player", "static");
for (const name of readdirSync(statics).sort()) copyFileSync(join(statics, name), join(out, name));

const files = readdirSync(out)
  .filter((name) => name !== "sw.js" && name !== "files.json")
  .sort();
writeFileSync(join(out, "files.json"), `${JSON.stringify(files, null, 1)}\n`);
console.log(`web-dist/player: ${files.length + 2} files`);
