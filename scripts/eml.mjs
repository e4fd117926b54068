// Reads the .eml files the mail sink keeps (scripts/mail-sink.mjs), as a mail client would: headers
// (unfolded, encoded-words decoded) and the parts of a multipart message, each
// decoded by its Content-Transfer-Encoding. Small on purpose: it fails loudly
// on anything it does not understand rather than guess.

/** { headers: Map(lowercase name → [values]), header(name), parts: [{ type, text }] } */
export function parseEml(raw) {
  const { headers, body } = splitEntity(raw);
  const header = (name) => headers.get(name.toLowerCase())?.[0];
  const contentType = header('content-type') ?? 'text/plain';
  const parts = contentType.startsWith('multipart/') ? multipart(contentType, body) : [leaf(headers, body)];
  return { headers, header, subject: decodeWords(header('subject') ?? ''), contentType, parts };
}

function splitEntity(raw) {
  const at = raw.indexOf('\r\n\r\n');
  if (at < 0) throw new Error('no blank line after the headers');
  const unfolded = raw.slice(0, at).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map();
  for (const line of unfolded.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 1) throw new Error(`not a header line: ${line}`);
    const name = line.slice(0, colon).toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return { headers, body: raw.slice(at + 4) };
}

function multipart(contentType, body) {
  const boundary = contentType.match(/boundary="?([^";]+)"?/)?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const sections = body.split(`--${boundary}`).slice(1);
  return sections
    .filter((s) => !s.startsWith('--'))
    .flatMap((section) => {
      const { headers, body: partBody } = splitEntity(section.replace(/^\r\n/, ''));
      const type = headers.get('content-type')?.[0] ?? 'text/plain';
      return type.startsWith('multipart/') ? multipart(type, partBody) : [leaf(headers, partBody)];
    });
}

function leaf(headers, body) {
  const type = (headers.get('content-type')?.[0] ?? 'text/plain').split(';')[0].trim();
  const encoding = (headers.get('content-transfer-encoding')?.[0] ?? '7bit').toLowerCase();
  const content = body.replace(/\r\n$/, '');
  let text;
  if (encoding === 'base64') text = Buffer.from(content.replace(/\s+/g, ''), 'base64').toString('utf8');
  else if (encoding === 'quoted-printable') text = decodeQuotedPrintable(content);
  else if (encoding === '7bit' || encoding === '8bit') text = content;
  else throw new Error(`unknown transfer encoding ${encoding}`);
  return { type, encoding, text: text.replace(/\r\n/g, '\n') };
}

function decodeQuotedPrintable(text) {
  const bytes = text.replace(/=\r\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex) => `%${hex}`);
  return decodeURIComponent(bytes.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
}

/** RFC 2047 encoded-words (B and Q), adjacent ones joined. */
export function decodeWords(value) {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, _charset, kind, data) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}
