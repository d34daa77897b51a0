/**
 * The eval's HTML report: one self-contained page (inline CSS and SVG, no script, nothing
 * loaded from the network; its content security policy forbids it). Every figure is also in a
 * data attribute with the exact value of the JSON line, so a script or test can read it back.
 */
import { TIERS } from "../providers/types.js";
import { describeCheck } from "./checks.js";
import { costVsPremiumText, percent, qualityVsPremiumText, SIMULATED_NOTE, tierMixText, usd, type EvalReport } from "./report.js";
import { STRATEGIES, type Strategy } from "./stats.js";

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** `s` safe inside HTML text and quoted attributes. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** A colour per strategy, readable on white and told apart without relying on hue alone (labels). */
const COLOURS: Record<Strategy, string> = { router: "#1f6feb", fast: "#2da44e", standard: "#bf8700", premium: "#8250df", random: "#6e7781" };

const W = 860;
const H = 360;
/** The plot's margins; the right one holds the legend. */
const M = { left: 64, right: 244, top: 20, bottom: 48 };

/** An axis label: two significant digits in plain decimals (`0.0022`), never exponent notation. */
const tick = (n: number) => (n === 0 ? "0" : n >= 1 ? n.toFixed(2) : n.toFixed(Math.min(12, 1 - Math.floor(Math.log10(n)))));

/** The cost-versus-quality chart: one point per strategy, cost on x (from zero), pass rate on y. */
export function chartSvg(report: EvalReport): string {
  const maxCost = Math.max(...STRATEGIES.map((s) => report.stats[s].cost_usd));
  // Both axes start at zero, so distances on the page are proportional to the figures.
  const xMax = maxCost > 0 ? maxCost * 1.15 : 1e-6;
  const x = (cost: number) => M.left + (cost / xMax) * (W - M.left - M.right);
  const y = (rate: number) => H - M.bottom - rate * (H - M.top - M.bottom);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="chart-title">`);
  parts.push(`<title id="chart-title">Pass rate against cost per strategy${report.simulated ? " (SIMULATED)" : ""}</title>`);
  for (let i = 0; i <= 4; i++) {
    const rate = i / 4;
    const cost = (xMax * i) / 4;
    parts.push(`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${y(rate).toFixed(1)}" y2="${y(rate).toFixed(1)}"/>`);
    parts.push(`<text class="tick" x="${M.left - 8}" y="${(y(rate) + 4).toFixed(1)}" text-anchor="end">${rate * 100}%</text>`);
    parts.push(`<line class="grid" y1="${M.top}" y2="${H - M.bottom}" x1="${x(cost).toFixed(1)}" x2="${x(cost).toFixed(1)}"/>`);
    parts.push(`<text class="tick" y="${H - M.bottom + 18}" x="${x(cost).toFixed(1)}" text-anchor="middle">$${tick(cost)}</text>`);
  }
  parts.push(`<text class="axis" x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle">cost (USD)${report.simulated ? " · SIMULATED" : ""}</text>`);
  parts.push(`<text class="axis" transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">pass rate${report.simulated ? " · SIMULATED" : ""}</text>`);
  // Close points would overprint each other's labels, so names and figures sit in a legend.
  STRATEGIES.forEach((s, i) => {
    const st = report.stats[s];
    const cx = x(st.cost_usd);
    const cy = y(st.pass_rate);
    const ly = M.top + 12 + i * 22;
    parts.push(
      `<g class="point" data-strategy="${s}" data-pass-rate="${st.pass_rate}" data-cost-usd="${st.cost_usd}">` +
        `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="${s === "router" ? 8 : 6}" fill="${COLOURS[s]}" fill-opacity="0.85" stroke="#fff" stroke-width="1.5"><title>${s}: ${percent(st.pass_rate)}, ${usd(st.cost_usd)}</title></circle>` +
        `<circle cx="${W - M.right + 24}" cy="${ly - 4}" r="${s === "router" ? 7 : 5}" fill="${COLOURS[s]}"/>` +
        `<text class="label" x="${W - M.right + 38}" y="${ly}">${s}</text>` +
        `<text class="tick" x="${W - M.right + 110}" y="${ly}">${percent(st.pass_rate)} · ${usd(st.cost_usd)}</text></g>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}

function strategyRows(report: EvalReport): string {
  return STRATEGIES.map((s) => {
    const st = report.stats[s];
    const tiers = TIERS.map((t) => ` data-tier-${t}="${st.tier_mix[t]}"`).join("");
    return (
      `<tr data-strategy="${s}" data-pass-rate="${st.pass_rate}" data-cost-usd="${st.cost_usd}" data-p50-ms="${st.p50_ms}"${tiers} data-passed="${st.passed}" data-tasks="${st.tasks}">` +
      `<th scope="row"><span class="swatch" style="background:${COLOURS[s]}"></span>${s}</th>` +
      `<td>${percent(st.pass_rate)} <small>(${st.passed}/${st.tasks}${st.errors > 0 ? `, ${st.errors} errors` : ""})</small></td>` +
      `<td>${usd(st.cost_usd)}${st.costUnknown > 0 ? ` <small>(+${st.costUnknown} unknown)</small>` : ""}</td>` +
      `<td>${tierMixText(st.tier_mix)}</td><td>${st.p50_ms}</td></tr>`
    );
  }).join("\n");
}

function taskRows(report: EvalReport): string {
  return report.tasks
    .map((task) => {
      const cells = STRATEGIES.map((s) => {
        const o = report.outcomes.find((x) => x.taskId === task.id && x.strategy === s);
        if (!o) return `<td class="none">—</td>`;
        return `<td class="${o.pass ? "pass" : "fail"}" data-strategy="${s}" data-pass="${o.pass}" title="${escapeHtml(o.detail)}">${o.pass ? "✓" : "✗"} ${o.tier ?? "—"}</td>`;
      }).join("");
      const label = task.category ? `${escapeHtml(task.id)} <small>${escapeHtml(task.category)}</small>` : escapeHtml(task.id);
      return `<tr data-task="${escapeHtml(task.id)}"><th scope="row" title="${escapeHtml(task.task)}">${label}</th><td><code>${escapeHtml(describeCheck(task.check))}</code></td>${cells}</tr>`;
    })
    .join("\n");
}

function candidatesHtml(report: EvalReport): string {
  if (report.candidates.length === 0) return "<p>None: no task failed on the router's tier and passed on a higher one.</p>";
  const items = report.candidates.map((c) => {
    const task = report.tasks.find((t) => t.id === c.taskId);
    return `<li data-task="${escapeHtml(c.taskId)}"><b>${escapeHtml(c.taskId)}</b>: the router ended on ${c.routerTier}; passed on ${c.passedOn.join(", ")}. <q>${escapeHtml(task?.task ?? "")}</q></li>`;
  });
  return `<ul>${items.join("\n")}</ul>`;
}

const CSS = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;margin:0;background:#f6f8fa}
main{max-width:980px;margin:0 auto;padding:24px 28px;background:#fff;min-height:100vh}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#57606a;margin:0 0 16px}
.simulated{border:2px solid #cf222e;background:#ffebe9;color:#82071e;padding:10px 14px;border-radius:6px;font-weight:600}
table{border-collapse:collapse;width:100%}th,td{padding:5px 10px;border-bottom:1px solid #d0d7de;text-align:left}
tbody th{white-space:nowrap}
thead th{background:#f6f8fa;font-weight:600}td.pass{color:#1a7f37}td.fail{color:#cf222e;background:#fff5f5}
.swatch{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px}
svg{display:block;margin:8px 0}svg .grid{stroke:#d8dee4;stroke-width:1}svg .tick{font-size:11px;fill:#57606a}
svg .axis{font-size:12px;fill:#1f2328}svg .label{font-size:12px;font-weight:600;fill:#1f2328}
small{color:#57606a}code{font-size:12px}
`;

/** The whole report page. */
export function renderHtml(report: EvalReport, generatedAt = new Date()): string {
  const sim = report.simulated;
  const mark = sim ? " · SIMULATED" : "";
  const { stats, vsPremium } = report;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Routing eval: ${escapeHtml(report.name)}${mark}</title>
<style>${CSS}</style>
</head>
<body>
<main data-eval="${escapeHtml(report.name)}" data-simulated="${sim}" data-seed="${report.seed}" data-tasks="${report.tasks.length}">
<h1>Routing eval: ${escapeHtml(report.name)}${mark}</h1>
<p class="meta">${report.tasks.length} tasks × ${STRATEGIES.length} strategies · random baseline seed ${report.seed} · generated ${escapeHtml(generatedAt.toISOString())}</p>
${sim ? `<p class="simulated" data-simulated-note>${escapeHtml(SIMULATED_NOTE)} Every figure on this page is SIMULATED.</p>` : ""}
<h2>Strategies${mark}</h2>
<table class="strategies">
<thead><tr><th>strategy</th><th>pass rate${mark}</th><th>cost (USD)${mark}</th><th>tier mix fast/standard/premium</th><th>p50 latency (ms)${mark}</th></tr></thead>
<tbody>
${strategyRows(report)}
</tbody>
</table>
<p class="versus" data-cost-ratio="${vsPremium.costRatio ?? ""}" data-saving-usd="${vsPremium.savingUsd}" data-pass-rate-delta="${vsPremium.passRateDelta}">
<b>Router against premium-only${mark}:</b> ${escapeHtml(costVsPremiumText(vsPremium, stats))}; pass rate ${escapeHtml(qualityVsPremiumText(vsPremium, stats))}.</p>
<h2>Cost against quality${mark}</h2>
${chartSvg(report)}
<h2>Rule candidates</h2>
<p class="meta">Tasks where the router's tier failed the check and a higher tier, forced, passed: a routing rule could send them there.</p>
<div class="candidates" data-count="${report.candidates.length}">${candidatesHtml(report)}</div>
<h2>Tasks</h2>
<table class="tasks">
<thead><tr><th>task</th><th>check</th>${STRATEGIES.map((s) => `<th>${s}</th>`).join("")}</tr></thead>
<tbody>
${taskRows(report)}
</tbody>
</table>
${report.judge.calls > 0 ? `<p class="meta">Judge: ${report.judge.calls} calls on the premium tier, ${report.judge.usage.total} tokens, not in any strategy's cost.</p>` : ""}
</main>
</body>
</html>
`;
}
