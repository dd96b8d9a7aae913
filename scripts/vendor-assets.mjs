// `npm run vendor`: copy YASGUI's built files (and its licence) from node_modules into
// server/static/vendor/yasgui/, and Swagger UI's (for /docs) into server/static/vendor/swagger-ui/,
// so the editor and the API browser are served from this host and the copy is reproducible.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const source = join(root, "node_modules", "@zazuko", "yasgui");
const target = join(root, "server", "static", "vendor", "yasgui");
const pkg = JSON.parse(readFileSync(join(source, "package.json"), "utf8"));
mkdirSync(target, { recursive: true });

// The source maps are not shipped, so drop the comment that would make browsers ask for them.
for (const name of ["yasgui.min.js", "yasgui.min.css"]) {
  const text = readFileSync(join(source, "build", name), "utf8").replace(/\n?\/[/*][#@] sourceMappingURL=\S+( \*\/)?\s*$/, "\n");
  writeFileSync(join(target, name), text);
}
const licence = ["LICENSE", "LICENSE.md", "LICENSE.txt"].find((name) => {
  try { copyFileSync(join(source, name), join(target, "LICENSE")); return true; } catch { return false; }
});
if (!licence) {
  // The npm package ships no licence file; its package.json says MIT. Write the MIT text for it.
  const authors = [pkg.author, ...(pkg.contributors || []).map((c) => c.name || c)].filter(Boolean).join(", ");
  writeFileSync(join(target, "LICENSE"), `${pkg.name} ${pkg.version} (${pkg.homepage})
License: ${pkg.license}. Copyright (c) ${authors}.

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
`);
}
writeFileSync(join(target, "VERSION"), `${pkg.name}@${pkg.version}\n`);
console.log(`copied ${pkg.name}@${pkg.version} to ${target}`);

// Swagger UI (swagger-ui-dist): the bundle and stylesheet FastAPI's /docs page loads, with its
// licence, notice and the licences of what the bundle includes.
const swagger = join(root, "node_modules", "swagger-ui-dist");
const swaggerTarget = join(root, "server", "static", "vendor", "swagger-ui");
const swaggerPkg = JSON.parse(readFileSync(join(swagger, "package.json"), "utf8"));
mkdirSync(swaggerTarget, { recursive: true });
for (const name of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
  const text = readFileSync(join(swagger, name), "utf8").replace(/\n?\/[/*][#@] sourceMappingURL=\S+( \*\/)?\s*$/, "\n");
  writeFileSync(join(swaggerTarget, name), text);
}
for (const name of ["LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt"]) {
  copyFileSync(join(swagger, name), join(swaggerTarget, name));
}
writeFileSync(join(swaggerTarget, "VERSION"), `${swaggerPkg.name}@${swaggerPkg.version}\n`);
console.log(`copied ${swaggerPkg.name}@${swaggerPkg.version} to ${swaggerTarget}`);
