// Tickets at the door: a going person's ticket drawn as a QR code (the
// vendored qrcode-generator, loaded only when a ticket is shown), and the
// ticket read back out of whatever a scanner gives (the Mini App link or
// the bare start parameter).

/** Modules of white around the code: the four the QR standard asks for. */
const QUIET = 4;

/**
 * An SVG of `text` as a QR code, dark on white whatever the theme (a
 * scanner needs the contrast), labelled for screen readers.
 */
export async function qrSvg(text, label) {
  const { default: qrcode } = await import('/vendor/qrcode-generator.mjs');
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const count = qr.getModuleCount();
  const size = count + 2 * QUIET;
  let path = '';
  for (let row = 0; row < count; row += 1) {
    for (let col = 0; col < count; col += 1) {
      if (qr.isDark(row, col)) path += `M${col + QUIET} ${row + QUIET}h1v1h-1z`;
    }
  }
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('shape-rendering', 'crispEdges');
  const white = document.createElementNS(ns, 'rect');
  white.setAttribute('width', String(size));
  white.setAttribute('height', String(size));
  white.setAttribute('fill', '#fff');
  const dark = document.createElementNS(ns, 'path');
  dark.setAttribute('d', path);
  dark.setAttribute('fill', '#000');
  svg.append(white, dark);
  return svg;
}

/**
 * The ticket in a scanned text: `...startapp=t<ticket>`,
 * `...startapp=c<slug>_t<ticket>`, or the start parameter alone; null
 * for anything else.
 */
export function ticketOf(text) {
  const value = String(text ?? '').trim();
  let start = value;
  const at = value.indexOf('startapp=');
  if (at >= 0) start = value.slice(at + 'startapp='.length).split(/[&#]/)[0];
  const match = /^(?:c[A-Za-z0-9]{8,16}_)?t([A-Za-z0-9_-]{16,})$/.exec(start);
  return match ? match[1] : null;
}

/** The event a ticket is for (its first number), or null. */
export function eventOfTicket(ticket) {
  const match = /^(\d+)-/.exec(ticket ?? '');
  return match ? Number(match[1]) : null;
}
