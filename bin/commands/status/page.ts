// The live status page: plain HTML with the report rendered in, and a script that re-reads /status and
// redraws it every few seconds. No build step, no external assets.
import type { StatusReport } from '../../../processors/status/read-status.ts';

// The one drawing of the page's body, as browser JavaScript: the server runs the same source for the first
// paint, so both always agree. Kept as source text because a compiled function's text is not portable
// (tsx/esbuild wrap names in helpers the browser does not have).
const DRAW = String.raw`function draw(r, esc) {
  const secs = (s) => (s === null ? '?' : s < 120 ? s.toFixed(1) + ' s' : s < 7200 ? (s / 60).toFixed(1) + ' min' : (s / 3600).toFixed(1) + ' h');
  const rows = r.rules.map((x) => '<tr data-rule="' + esc(x.rule) + '"><td>' + esc(x.rule) + '</td><td class="until">' + esc(x.replicatedUntil ?? 'unknown') + '</td>'
    + '<td class="lag">' + secs(x.lagSeconds) + '</td><td class="msgs">' + x.lagMessages + '</td><td>' + (x.changesPerSecond === null ? '?' : x.changesPerSecond.toFixed(1)) + '</td></tr>').join('');
  const jobs = r.jobs.length === 0 ? '<p class="none">No backfill jobs.</p>' : r.jobs.map((j) => {
    const pct = j.percent ?? 0;
    return '<div class="job" data-job="' + esc(j.jobId) + '"><div>' + esc(j.jobId) + ' · ' + esc(j.rule) + ' · ' + esc(j.state) + ' · <span class="pct">'
      + (j.percent === null ? 'listing' : pct.toFixed(1) + ' %') + '</span>' + (j.error ? ' · <span class="error">' + esc(String(j.error)) + '</span>' : '') + '</div>'
      + '<div class="bar"><div class="fill" style="width:' + Math.max(0, Math.min(100, pct)) + '%"></div></div></div>';
  }).join('');
  return '<p id="kafka" class="' + (r.kafka.reachable ? 'ok' : 'down') + '">' + (r.kafka.reachable ? 'Kafka reachable' : 'Kafka unreachable: values held (' + esc(r.kafka.error ?? '') + ')') + ' · at ' + esc(r.at) + '</p>'
    + '<table><thead><tr><th>rule</th><th>last synchronization</th><th>lag</th><th>lag (messages)</th><th>changes/s</th></tr></thead><tbody>' + rows + '</tbody></table>'
    + '<p>Dead letters: <span id="dead">' + r.deadLetters.count + '</span> · changes topic lag: ' + r.changes.lagMessages + ' messages</p>'
    + '<h2>Backfill jobs</h2><div id="jobs">' + jobs + '</div>';
}`;
const ESCAPE = String.raw`function esc(s) { return String(s).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';'); }`;

type Draw = (r: StatusReport, esc: (s: string) => string) => string;
const draw = new Function(`return ${DRAW}`)() as Draw;
const escape = new Function(`return ${ESCAPE}`)() as (s: string) => string;

export function statusPage(report: StatusReport, refreshMs: number): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crr status</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;margin:12px 0}th,td{border:1px solid #ccc;padding:4px 10px;text-align:left}
th{background:#f3f3f3}.ok{color:#176b2c}.down{color:#b00020;font-weight:bold}
.bar{width:420px;height:16px;background:#e6e6e6;border-radius:3px;overflow:hidden}.fill{height:100%;background:#2a7de1}
.job{margin:8px 0}
</style></head>
<body><h1>crr status</h1><div id="report" data-drawn="server">${draw(report, escape)}</div>
<script>
${ESCAPE}
${DRAW}
async function refresh() {
  try {
    const r = await (await fetch('/status')).json();
    const el = document.getElementById('report');
    el.innerHTML = draw(r, esc);
    el.dataset.drawn = 'browser';
  } catch (e) {
    document.getElementById('kafka').textContent = 'status server unreachable: ' + e.message;
  }
}
setInterval(refresh, ${refreshMs});
</script></body></html>
`;
}
