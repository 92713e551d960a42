// Hand-written SVG line charts (no dependency): log-log panels side by side in one file.

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function ticks(lo, hi) {
  const out = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
    }
  }
  return out;
}

function label(v) {
  if (v >= 1e6) return `${v / 1e6}M`;
  if (v >= 1e3) return `${v / 1e3}k`;
  return String(+v.toPrecision(3));
}

/** One panel: { title, xLabel, yLabel, series: [{ name, points: [[x, y]], dashed }] } at (ox, oy). */
function panel(p, ox, oy, w, h) {
  const pts = p.series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && y > 0);
  if (pts.length === 0) return '';
  let [x0, x1] = [Math.min(...pts.map((q) => q[0])), Math.max(...pts.map((q) => q[0]))];
  let [y0, y1] = [Math.min(...pts.map((q) => q[1])), Math.max(...pts.map((q) => q[1]))];
  x0 /= 1.3; x1 *= 1.3; y0 /= 1.6; y1 *= 1.6;
  const L = 64, R = 12, T = 30, B = 44;
  const sx = (x) => ox + L + ((Math.log(x) - Math.log(x0)) / (Math.log(x1) - Math.log(x0))) * (w - L - R);
  const sy = (y) => oy + h - B - ((Math.log(y) - Math.log(y0)) / (Math.log(y1) - Math.log(y0))) * (h - T - B);
  const out = [`<text x="${ox + w / 2}" y="${oy + 18}" text-anchor="middle" font-size="14" font-weight="bold">${esc(p.title)}</text>`];
  out.push(`<rect x="${ox + L}" y="${oy + T}" width="${w - L - R}" height="${h - T - B}" fill="none" stroke="#444"/>`);
  for (const t of ticks(x0, x1)) {
    out.push(`<line x1="${sx(t)}" x2="${sx(t)}" y1="${oy + T}" y2="${oy + h - B}" stroke="#ddd"/>`);
    out.push(`<text x="${sx(t)}" y="${oy + h - B + 14}" text-anchor="middle" font-size="11">${label(t)}</text>`);
  }
  for (const t of ticks(y0, y1)) {
    out.push(`<line x1="${ox + L}" x2="${ox + w - R}" y1="${sy(t)}" y2="${sy(t)}" stroke="#ddd"/>`);
    out.push(`<text x="${ox + L - 4}" y="${sy(t) + 4}" text-anchor="end" font-size="11">${label(t)}</text>`);
  }
  out.push(`<text x="${ox + L + (w - L - R) / 2}" y="${oy + h - 8}" text-anchor="middle" font-size="12">${esc(p.xLabel)}</text>`);
  out.push(`<text transform="translate(${ox + 14},${oy + T + (h - T - B) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(p.yLabel)}</text>`);
  p.series.forEach((s, i) => {
    const c = s.color ?? COLORS[i % COLORS.length];
    const q = s.points.filter(([x, y]) => x > 0 && y > 0);
    const d = q.map(([x, y], k) => `${k ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,4"' : ''}/>`);
    for (const [x, y] of q) out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${c}"/>`);
    const ly = oy + T + 14 + i * 15;
    out.push(`<line x1="${ox + L + 8}" x2="${ox + L + 28}" y1="${ly - 4}" y2="${ly - 4}" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,4"' : ''}/>`);
    out.push(`<text x="${ox + L + 32}" y="${ly}" font-size="11">${esc(s.name)}</text>`);
  });
  return out.join('\n');
}

export function chartsSvg(panels, { width = 460, height = 340, caption = '' } = {}) {
  const W = width * panels.length, H = height + (caption ? 22 : 0);
  const body = panels.map((p, i) => panel(p, i * width, 0, width, height)).join('\n');
  const cap = caption ? `<text x="8" y="${height + 16}" font-size="11" fill="#555">${esc(caption)}</text>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n${body}\n${cap}\n</svg>\n`;
}
