/**
 * The report page: one HTML file with Vega and Vega-Lite inlined (node_modules/vega/build/
 * vega.min.js, node_modules/vega-lite/build/vega-lite.min.js), the charts' specifications as
 * JSON, and a few lines that compile and render each chart as SVG. It loads nothing from the
 * network. When every chart has rendered, <body data-rendered="true" data-render-ms="...">.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { Chart } from './charts.js';

export interface OverviewRow {
  metric: string;
  /** What a good value is, in words ("1 is best"). */
  ideal: string;
  values: (string | null)[];
}

export interface Section {
  title: string;
  /** Optional sentence above the charts. */
  note?: string;
  charts: Chart[];
}

export interface Page {
  title: string;
  subtitle: string;
  notes: string[];
  overview: { columns: string[]; rows: OverviewRow[] };
  sections: Section[];
}

let libraries: string | undefined;

/** The inlined chart libraries (read once from node_modules). */
function chartLibraries(): string {
  if (libraries === undefined) {
    const read = (name: string, file: string): string => {
      // The packages' "exports" hide their build/ files from require.resolve: walk up from the entry.
      let dir = dirname(require.resolve(name));
      while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
        const up = dirname(dir);
        if (up === dir) throw new Error(`report: cannot find the ${name} package's folder`);
        dir = up;
      }
      return readFileSync(join(dir, file), 'utf8');
    };
    // "</script" inside the code would end the element early; "<\/" means the same in JS.
    const inline = (code: string): string => `<script>${code.replace(/<\/(script)/gi, '<\\/$1')}</script>`;
    libraries = inline(read('vega', 'build/vega.min.js')) + '\n' + inline(read('vega-lite', 'build/vega-lite.min.js'));
  }
  return libraries;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1180px; color: #222; padding: 0 16px; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.subtitle { color: #555; } .notes li { color: #8a4b00; }
table.overview { border-collapse: collapse; margin-top: 8px; }
table.overview th, table.overview td { border: 1px solid #ddd; padding: 4px 10px; text-align: right; }
table.overview th:first-child, table.overview td:first-child { text-align: left; }
table.overview td.ideal { color: #666; text-align: left; font-size: 0.9em; }
.grid { display: flex; flex-wrap: wrap; gap: 12px; }
.chart { border: 1px solid #eee; padding: 6px; }
.chart h3 { font-size: 0.95em; margin: 0 0 4px 0; font-weight: 600; }
`;

const RENDER = `
(function () {
  var start = performance.now();
  var charts = JSON.parse(document.getElementById('report-charts').textContent);
  Promise.all(charts.map(function (c) {
    var spec = vegaLite.compile(c.spec).spec;
    var view = new vega.View(vega.parse(spec), { renderer: 'svg', container: '#' + c.id, hover: true });
    return view.runAsync();
  })).then(function () {
    document.body.dataset.renderMs = String(Math.round(performance.now() - start));
    document.body.dataset.rendered = 'true';
  }, function (err) {
    document.body.dataset.rendered = 'error';
    console.error('report: a chart failed to render: ' + (err && err.message ? err.message : err));
  });
})();
`;

export function renderPage(page: Page): string {
  const specs: { id: string; spec: Record<string, unknown> }[] = [];
  const sectionHtml = page.sections.map((s) => {
    const charts = s.charts.map((c) => {
      const id = `chart-${specs.length}`;
      specs.push({ id, spec: c.spec });
      return `<div class="chart"><h3>${escapeHtml(c.title)}</h3><div id="${id}" class="vega-chart" data-title="${escapeHtml(c.title)}" data-expected-marks="${c.expectedMarks}"></div></div>`;
    });
    return `<h2>${escapeHtml(s.title)}</h2>${s.note ? `<p>${escapeHtml(s.note)}</p>` : ''}<div class="grid">${charts.join('')}</div>`;
  });
  const head = page.overview.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const rows = page.overview.rows
    .map((r) => `<tr><td>${escapeHtml(r.metric)}</td>${r.values.map((v) => `<td>${v === null ? '-' : escapeHtml(v)}</td>`).join('')}<td class="ideal">${escapeHtml(r.ideal)}</td></tr>`)
    .join('\n');
  const notes = page.notes.length > 0 ? `<ul class="notes">${page.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>${STYLE}</style>
${chartLibraries()}
</head>
<body>
<h1>${escapeHtml(page.title)}</h1>
<p class="subtitle">${escapeHtml(page.subtitle)}</p>
${notes}
<h2>Overview</h2>
<table class="overview"><thead><tr><th>metric</th>${head}<th>ideal</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${sectionHtml.join('\n')}
<script type="application/json" id="report-charts">${scriptJson(specs)}</script>
<script>${RENDER}</script>
</body>
</html>
`;
}
