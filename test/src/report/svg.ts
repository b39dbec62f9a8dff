/**
 * Reads what a vega SVG shows, for tests: its marks (by the aria-label vega
 * writes for each point, bar and line) and its axes' titles.
 */

/** The inline SVGs of a page, in page order. */
export function svgsOf(html: string): string[] {
  return html.match(/<svg\b[\s\S]*?<\/svg>/g) ?? [];
}

export interface SvgMark {
  label: string;
  /** vega's aria-roledescription: 'point', 'line mark', 'errorbar', … */
  kind: string;
  /** Where the mark is drawn within its panel (its translate), px. */
  x: number;
  y: number;
  /** The marker's outline: equal shapes of equal size have equal paths. */
  d: string;
  fill: string | null;
  stroke: string | null;
  /** Position in the document: later marks are drawn on top. */
  order: number;
}

export function marksOf(svg: string, kind?: string): SvgMark[] {
  const marks: SvgMark[] = [];
  let order = 0;
  for (const m of svg.matchAll(/<(?:path|line|rect)\b([^>]*)>/g)) {
    const attrs = Object.fromEntries([...m[1].matchAll(/([\w:-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
    if (attrs['aria-label'] === undefined || attrs['aria-roledescription'] === undefined) continue;
    const translate = /translate\(([-\d.e]+),([-\d.e]+)\)/.exec(attrs.transform ?? '');
    const mark: SvgMark = {
      label: attrs['aria-label'],
      kind: attrs['aria-roledescription'],
      x: translate ? Number(translate[1]) : NaN,
      y: translate ? Number(translate[2]) : NaN,
      d: attrs.d ?? '',
      fill: attrs.fill ?? null,
      stroke: attrs.stroke ?? null,
      order: order++,
    };
    if (kind === undefined || mark.kind === kind) marks.push(mark);
  }
  return marks;
}

export interface SvgAxis {
  orient: 'X' | 'Y';
  /** null when the axis has no title. */
  title: string | null;
  /** The rest of vega's description, e.g. "for a linear scale with values from 1 to 10". */
  scale: string;
}

/** Every axis vega describes (grid-only axes are not described and are left out). */
export function axesOf(svg: string): SvgAxis[] {
  return [...svg.matchAll(/<g class="mark-group role-axis"[^>]*aria-label="([XY])-axis (?:titled '([^']*)' )?([^"]*)"/g)].map((m) => ({
    orient: m[1] as 'X' | 'Y',
    title: m[2] ?? null,
    scale: m[3],
  }));
}
