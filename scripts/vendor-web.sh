#!/usr/bin/env bash
# Copy the browser libraries of package.json (installed with `npm ci`) into the web app's static files.
# They are committed, so serving polegraph needs no npm and no CDN: run this only to change a version.
#   npm ci && scripts/vendor-web.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=src/polegraph/web/static/vendor
NM=node_modules

yasgui_version=$(node -p "require('./$NM/@zazuko/yasgui/package.json').version")
cytoscape_version=$(node -p "require('./$NM/cytoscape/package.json').version")
axe_version=$(node -p "require('./$NM/axe-core/package.json').version")

rm -rf "$VENDOR/yasgui" "$VENDOR/cytoscape"
mkdir -p "$VENDOR/yasgui" "$VENDOR/cytoscape"
cp "$NM/@zazuko/yasgui/build/yasgui.min.js" "$NM/@zazuko/yasgui/build/yasgui.min.css" "$VENDOR/yasgui/"
cp "$NM/cytoscape/dist/cytoscape.min.js" "$VENDOR/cytoscape/"
cp "$NM/cytoscape/LICENSE" "$VENDOR/cytoscape/LICENSE"

# @zazuko/yasgui declares "license": "MIT" but ships no licence text: write the MIT text, naming the
# author and contributors its package.json gives (Triply; Zazuko GmbH).
cat > "$VENDOR/yasgui/LICENSE" <<'LICENCE'
The MIT License (MIT)

Copyright (c) Triply, Zazuko GmbH and the contributors of
https://github.com/rdfjs/Yasgui (npm package @zazuko/yasgui, "license": "MIT")

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.
LICENCE

cat > "$VENDOR/README.md" <<README
# Vendored browser libraries

Copied by \`scripts/vendor-web.sh\` from the npm registry packages pinned in \`package.json\` /
\`package-lock.json\`; served from here so no page of polegraph loads anything from another host.

| directory | npm package | version | licence |
| --- | --- | --- | --- |
| \`yasgui/\` | [@zazuko/yasgui](https://www.npmjs.com/package/@zazuko/yasgui) (source: github.com/rdfjs/Yasgui) | $yasgui_version | MIT (\`yasgui/LICENSE\`, written here: the package ships no licence file) |
| \`cytoscape/\` | [cytoscape](https://www.npmjs.com/package/cytoscape) (source: github.com/cytoscape/cytoscape.js) | $cytoscape_version | MIT (\`cytoscape/LICENSE\`, from the package) |
| \`france-regions/\` | not npm: \`scripts/vendor-map.py\` from PyPI's pygal_maps_fr 1.1.0 (\`fr.regions.svg\`), regions of 2016 merged by INSEE code | 1.1.0 | LGPL-3.0-or-later (\`france-regions/COPYING.*\`) |

Files: \`yasgui.min.js\`, \`yasgui.min.css\` (the package's \`build/\`), \`cytoscape.min.js\` (its \`dist/\`).
README
# axe-core is for the tests only (the browser tests inject it into the pages they check): it
# is kept beside them, not served by the site.
AXE=tests/support/vendor/axe-core
rm -rf "$AXE"
mkdir -p "$AXE"
cp "$NM/axe-core/axe.min.js" "$NM/axe-core/LICENSE" "$AXE/"
cat > "$AXE/README.md" <<README
# axe-core, for the accessibility check of the browser tests

Copied by \`scripts/vendor-web.sh\` from the npm package [axe-core](https://www.npmjs.com/package/axe-core)
$axe_version (Deque Systems; source: github.com/dequelabs/axe-core), pinned in \`package.json\`, licence
MPL-2.0 (\`LICENSE\`, from the package). The browser tests inject \`axe.min.js\` into the pages
they walk and fails on any serious or critical violation; the site never serves it.
README
echo "vendored @zazuko/yasgui $yasgui_version and cytoscape $cytoscape_version into $VENDOR, axe-core $axe_version into $AXE"
