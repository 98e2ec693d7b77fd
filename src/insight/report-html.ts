import type { BudgetView } from '../policy/ledger.js';
import type { ReceiptRecord } from '../store/types.js';
import { spendReport } from './spend.js';

export interface ReportInput {
  receipts: ReadonlyArray<ReceiptRecord>;
  budget: BudgetView;
  generatedAt: number;
  title?: string;
}

/** JSON safe to embed in <script>: no `</script>` or comment openers can come out of a receipt. */
function embed(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** The page's styles. */
const STYLE = `  body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2330; background: #fff; }
  h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
  .muted { color: #667; } .cards { display: flex; gap: 16px; flex-wrap: wrap; }
  .card { border: 1px solid #dde; border-radius: 8px; padding: 10px 14px; min-width: 140px; }
  .card b { display: block; font-size: 20px; } svg { background: #fafbfe; border: 1px solid #e5e7f0; border-radius: 6px; }
  .legend span { display: inline-block; margin-right: 14px; } .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
  table { border-collapse: collapse; width: 100%; font-size: 12px; } th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eef; }
  .flag { color: #b3261e; }
`;

/** Draws the charts, cards and table from the embedded JSON, in the browser (no library). */
const CLIENT_SCRIPT = `(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var COLORS = ['#3b6fd8', '#e0803b', '#3ba67a', '#b34fc1', '#d64a5b', '#4fb3c1', '#8a8f2d', '#6d5acd'];
  function dollars(c) { return '$' + (c / 100).toFixed(2); }
  function el(name, attrs, parent) { var e = document.createElementNS(NS, name); for (var k in attrs) e.setAttribute(k, attrs[k]); if (parent) parent.appendChild(e); return e; }
  function text(parent, x, y, s, anchor) { var t = el('text', { x: x, y: y, 'font-size': 11, fill: '#445', 'text-anchor': anchor || 'start' }, parent); t.textContent = s; return t; }
  document.getElementById('generated').textContent = 'Generated ' + data.generatedAt + ' from ' + data.receipts.length + ' receipts';
  var total = data.receipts.reduce(function (s, r) { return s + r.cents; }, 0);
  var cards = [['Total charged', dollars(total)], ['Paid calls', data.receipts.length], ['Agents', data.agents.rows.length], ['Providers', data.providers.rows.length]];
  if (data.limits.lifetime !== null) cards.push(['Lifetime budget left', dollars(Math.max(0, data.limits.lifetime - total))]);
  cards.forEach(function (c) { var d = document.createElement('div'); d.className = 'card'; d.innerHTML = '<span class="muted"></span><b></b>'; d.firstChild.textContent = c[0]; d.lastChild.textContent = c[1]; document.getElementById('cards').appendChild(d); });

  function stacked(id, field) {
    var days = Array.from(new Set(data.receipts.map(function (r) { return r.day; }))).sort();
    var series = Array.from(new Set(data.receipts.map(function (r) { return r[field]; }))).sort();
    var cell = {}; var dayTotals = {};
    data.receipts.forEach(function (r) { var k = r.day + '|' + r[field]; cell[k] = (cell[k] || 0) + r.cents; dayTotals[r.day] = (dayTotals[r.day] || 0) + r.cents; });
    var max = Math.max.apply(null, [1].concat(days.map(function (d) { return dayTotals[d]; })));
    var W = 720, H = 240, pad = 56, bw = Math.max(8, Math.min(60, (W - 2 * pad) / Math.max(1, days.length) - 8));
    var svg = el('svg', { width: W, height: H, 'data-chart': id, role: 'img' });
    el('line', { x1: pad, y1: H - pad, x2: W - pad, y2: H - pad, stroke: '#99a' }, svg);
    text(svg, pad - 6, pad, dollars(max), 'end');
    days.forEach(function (d, i) {
      var x = pad + 4 + i * (bw + 8), y = H - pad;
      series.forEach(function (s, j) {
        var c = cell[d + '|' + s] || 0; if (!c) return;
        var h = (c / max) * (H - 2 * pad);
        y -= h;
        el('rect', { x: x, y: y, width: bw, height: Math.max(1, h), fill: COLORS[j % COLORS.length], 'data-series': s, 'data-day': d, 'data-total-cents': c }, svg);
      });
      text(svg, x + bw / 2, H - pad + 14, d.slice(5), 'middle');
    });
    var box = document.getElementById(id); box.appendChild(svg);
    var legend = document.createElement('div'); legend.className = 'legend'; legend.setAttribute('data-legend', id);
    series.forEach(function (s, j) {
      var sum = data.receipts.filter(function (r) { return r[field] === s; }).reduce(function (a, r) { return a + r.cents; }, 0);
      var span = document.createElement('span'); span.setAttribute('data-series', s); span.setAttribute('data-total-cents', sum);
      var sw = document.createElement('i'); sw.style.background = COLORS[j % COLORS.length]; span.appendChild(sw);
      span.appendChild(document.createTextNode(s + ' ' + dollars(sum))); legend.appendChild(span);
    });
    box.appendChild(legend);
  }
  stacked('agents', 'agent');
  stacked('providers', 'provider');

  (function burndown() {
    var limit = data.limits.lifetime !== null ? data.limits.lifetime : (data.limits.perDay !== null ? data.limits.perDay : null);
    var W = 720, H = 220, pad = 56, n = data.receipts.length;
    var cum = 0, points = data.receipts.map(function (r) { cum += r.cents; return cum; });
    var max = Math.max(1, cum, limit || 0);
    var svg = el('svg', { width: W, height: H, 'data-chart': 'burndown', 'data-total-cents': cum, 'data-limit-cents': limit === null ? '' : limit });
    var d = 'M ' + pad + ' ' + (H - pad);
    points.forEach(function (p, i) { d += ' L ' + (pad + ((i + 1) / Math.max(1, n)) * (W - 2 * pad)) + ' ' + (H - pad - (p / max) * (H - 2 * pad)); });
    el('path', { d: d, fill: 'none', stroke: '#3b6fd8', 'stroke-width': 2, 'data-series': 'spent' }, svg);
    if (limit !== null) {
      var y = H - pad - (limit / max) * (H - 2 * pad);
      el('line', { x1: pad, y1: y, x2: W - pad, y2: y, stroke: '#d64a5b', 'stroke-dasharray': '6 4', 'data-series': 'limit' }, svg);
      text(svg, W - pad, y - 4, 'limit ' + dollars(limit), 'end');
    }
    text(svg, pad, pad - 8, 'spent ' + dollars(cum) + (limit !== null ? ' of ' + dollars(limit) : ''));
    document.getElementById('burndown').appendChild(svg);
  })();

  data.agents.outliers.concat(data.providers.outliers).forEach(function (o) {
    var li = document.createElement('li'); li.className = 'flag'; li.setAttribute('data-outlier', o.key); li.textContent = o.key + ': ' + o.kind + ' (' + o.reason + ')';
    document.getElementById('outliers').appendChild(li);
  });
  var body = document.querySelector('#receipts tbody');
  data.receipts.slice(-500).reverse().forEach(function (r) {
    var tr = document.createElement('tr');
    [new Date(r.at).toISOString().replace('T', ' ').slice(0, 19), r.agent, r.method, r.origin + r.path, r.status, r.outcome, dollars(r.cents), r.orderTx].forEach(function (v) { var td = document.createElement('td'); td.textContent = String(v); tr.appendChild(td); });
    body.appendChild(tr);
  });
  document.body.setAttribute('data-rendered', 'true');
})();
`;

/**
 * One self-contained HTML file (no network needed to open it): spend over time per agent and per
 * provider, the budget burn-down against the policy's limits, and the receipts table. The charts
 * are drawn by inline script into SVG; every bar and legend entry carries its total in cents
 * (`data-total-cents`) so it can be checked as well as seen.
 */
export function renderHtmlReport(input: ReportInput): string {
  const receipts = [...input.receipts].sort((a, b) => a.at - b.at);
  const data = {
    generatedAt: new Date(input.generatedAt).toISOString(),
    receipts: receipts.map((r) => ({ at: r.at, day: new Date(r.at).toISOString().slice(0, 10), agent: r.agent ?? '(unlabelled)', provider: r.provider ?? r.origin, origin: r.origin, path: r.path, method: r.method, status: r.status, outcome: r.outcome, planId: r.planId ?? '', orderTx: r.orderTx ?? '', cents: r.amountCents ?? 0 })),
    limits: { lifetime: input.budget.lifetime.limitCents ?? null, perDay: input.budget.perDay.limitCents ?? null },
    agents: spendReport(receipts, { groupBy: 'agent' }),
    providers: spendReport(receipts, { groupBy: 'provider' }),
  };
  const title = (input.title ?? 'paying-fetch spend report').replace(/[<>&"]/g, '');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
${STYLE}</style></head>
<body>
<h1>${title}</h1><div class="muted" id="generated"></div>
<div class="cards" id="cards"></div>
<h2>Spend over time per agent</h2><div id="agents"></div>
<h2>Spend over time per provider</h2><div id="providers"></div>
<h2>Budget burn-down</h2><div id="burndown"></div>
<h2>Outliers</h2><ul id="outliers"></ul>
<h2>Receipts</h2><table id="receipts"><thead><tr><th>time</th><th>agent</th><th>method</th><th>url</th><th>status</th><th>outcome</th><th>charged</th><th>order</th></tr></thead><tbody></tbody></table>
<script type="application/json" id="report-data">${embed(data)}</script>
<script>
${CLIENT_SCRIPT}</script>
</body></html>
`;
}
