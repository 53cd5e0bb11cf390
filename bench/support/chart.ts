/** What the chart needs of a relay-vs-naive report. */
export interface ChartInput {
  when: string;
  commit: string;
  floors: Record<string, { label: string; perSecond: number; cpuMicrosPerRequest: number } | undefined>;
  variants: Array<{
    name: string;
    label: string;
    cpuRatio: number;
    throughputRatio: number;
    naive?: { perSecond: number; cpuMicrosPerRequest: number };
    relay?: { perSecond: number; cpuMicrosPerRequest: number };
  }>;
}

const COLORS = { proxy: "#9e9e9e", naive: "#4e79a7", relay: "#f28e2b" } as const;
const xml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

interface Bar {
  series: keyof typeof COLORS;
  value: number;
}

/**
 * Two panels of horizontal bars, req/s and CPU µs per request: per variant the naive function and the relay,
 * and the bare pass-through proxy (emulator) as the floor. Plain SVG, no library: docs/benchmarks.md shows it.
 */
export function benchChart(report: ChartInput): string {
  const groups: Array<{ label: string; note: string; bars: Bar[] }> = [];
  const proxy = report.floors.bareProxy;
  if (proxy) {
    groups.push({
      label: "bare proxy (emulator)",
      note: "",
      bars: [{ series: "proxy", value: Number.NaN }],
    });
  }
  for (const v of report.variants) {
    groups.push({
      label: v.name,
      note: `${v.cpuRatio}x CPU, ${v.throughputRatio}x req/s`,
      bars: [
        { series: "naive", value: Number.NaN },
        { series: "relay", value: Number.NaN },
      ],
    });
  }
  const panels = [
    { title: "requests per second (higher is better)", pick: (s: { perSecond: number }) => s.perSecond },
    {
      title: "CPU µs per request of the serving process (lower is better)",
      pick: (s: { cpuMicrosPerRequest: number }) => s.cpuMicrosPerRequest,
    },
  ];
  const barValue = (groupIndex: number, series: Bar["series"], pick: (s: never) => number): number => {
    const offset = proxy ? 1 : 0;
    if (series === "proxy") return proxy ? pick(proxy as never) : Number.NaN;
    const v = report.variants[groupIndex - offset];
    const side = series === "naive" ? v?.naive : v?.relay;
    return side ? pick(side as never) : Number.NaN;
  };

  const barHeight = 12;
  const labelWidth = 170;
  const plotWidth = 300;
  const panelWidth = labelWidth + plotWidth + 60;
  const groupHeight = (bars: number) => bars * (barHeight + 2) + 10;
  const bodyHeight = groups.reduce((sum, g) => sum + groupHeight(g.bars.length), 0);
  const top = 54;
  const width = panelWidth * 2 + 20;
  const height = top + bodyHeight + 40;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="18" font-size="13" font-weight="bold">relay vs naive function vs bare proxy: ${xml(report.when.slice(0, 16))}Z, commit ${xml(report.commit)}</text>`,
  ];
  panels.forEach((panel, p) => {
    const x0 = 10 + p * (panelWidth + 10);
    const max = Math.max(
      1,
      ...groups
        .flatMap((g, gi) => g.bars.map((b) => barValue(gi, b.series, panel.pick)))
        .filter(Number.isFinite),
    );
    out.push(`<text x="${x0}" y="40" font-weight="bold">${xml(panel.title)}</text>`);
    let y = top;
    groups.forEach((group, gi) => {
      out.push(`<text x="${x0}" y="${y + barHeight - 2}">${xml(group.label)}</text>`);
      if (p === 0 && group.note)
        out.push(`<text x="${x0}" y="${y + 2 * barHeight + 1}" fill="#555">${xml(group.note)}</text>`);
      group.bars.forEach((bar, bi) => {
        const value = barValue(gi, bar.series, panel.pick);
        const length = Number.isFinite(value) ? (value / max) * plotWidth : 0;
        const by = y + bi * (barHeight + 2);
        out.push(
          `<rect x="${x0 + labelWidth}" y="${by}" width="${length.toFixed(1)}" height="${barHeight}" fill="${COLORS[bar.series]}"/>`,
          `<text x="${(x0 + labelWidth + length + 4).toFixed(1)}" y="${by + barHeight - 2}">${Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a"}</text>`,
        );
      });
      y += groupHeight(group.bars.length);
    });
  });
  let lx = 10;
  for (const [series, color] of Object.entries(COLORS)) {
    const name =
      series === "proxy" ? "bare keep-alive proxy" : series === "naive" ? "naive axios function" : "relay";
    out.push(
      `<rect x="${lx}" y="${height - 22}" width="12" height="12" fill="${color}"/>`,
      `<text x="${lx + 16}" y="${height - 12}">${name}</text>`,
    );
    lx += 160;
  }
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
