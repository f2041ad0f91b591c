/**
 * PNG and SVG export for every chart. A chart hands over itself as one standalone SVG document
 * (canvas heatmaps go in as an embedded PNG image); PNG is that SVG drawn at 2× on a canvas.
 */

/** The SVG element as a standalone document, with the page's colours for its text and lines. */
export function svgDocument(svg: SVGSVGElement, extra = ''): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('xmlns:xlink', 'http://www.w3.org/1999/xlink');
  const { width, height } = svg.getBoundingClientRect();
  if (!clone.getAttribute('width')) clone.setAttribute('width', String(Math.ceil(width)));
  if (!clone.getAttribute('height')) clone.setAttribute('height', String(Math.ceil(height)));
  const style = getComputedStyle(svg);
  // Heatmaps go in as <image>s of their cells, drawn sharp. A rule here, not a style="" attribute on
  // each image: parsing inline style attributes in the page breaks its Content-Security-Policy.
  const css = `text{font-family:${style.fontFamily};font-size:10px;fill:${style.color}}line,path.domain,.tick line{stroke:${style.color}}image{image-rendering:pixelated}`;
  clone.insertAdjacentHTML('afterbegin', `<style>${css}</style>${extra}`);
  return new XMLSerializer().serializeToString(clone);
}

/** Saves `blob` as a file named `filename`. */
export function download(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Rasterises an SVG document at `scale`× on a background of the page's panel colour. */
export async function svgToPng(svg: string, scale = 2): Promise<Blob> {
  const img = new Image();
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the chart could not be drawn as an image'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(img.width * scale);
    canvas.height = Math.ceil(img.height * scale);
    const g = canvas.getContext('2d')!;
    g.fillStyle = getComputedStyle(document.documentElement).getPropertyValue('--panel').trim() || '#fff';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** "Export PNG" and "Export SVG" for a chart; `svg()` returns its standalone SVG document, or null before there is data. */
export function ExportButtons({ name, svg }: { name: string; svg: () => string | null }) {
  const save = async (kind: 'png' | 'svg') => {
    const doc = svg();
    if (!doc) return;
    const blob = kind === 'svg' ? new Blob([doc], { type: 'image/svg+xml' }) : await svgToPng(doc);
    download(blob, `${name}.${kind}`);
  };
  return (
    <span className="export-buttons" role="group" aria-label={`Export ${name.replace(/-/g, ' ')}`}>
      <button type="button" onClick={() => void save('png')} data-testid={`export-${name}-png`}>
        PNG
      </button>
      <button type="button" onClick={() => void save('svg')} data-testid={`export-${name}-svg`}>
        SVG
      </button>
    </span>
  );
}
