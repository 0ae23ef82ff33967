import { crc32, deflateRawSync } from 'node:zlib';
import { listZip } from '../../cluster/zip.ts';

/** Builds a small archive by the format's rules, so the reader is checked against independent bytes. */
function makeZip(files: { name: string; data: Buffer; deflate: boolean; mode: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const body = f.deflate ? deflateRawSync(f.data) : f.data;
    const name = Buffer.from(f.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(f.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc32(f.data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(f.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(f.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc32(f.data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(f.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((0o100000 | f.mode) * 0x10000, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

test('reads stored and deflated entries with their modes', () => {
  const big = Buffer.from('kubectl '.repeat(1000));
  const zip = makeZip([
    { name: 'kubectl/kubectl', data: big, deflate: true, mode: 0o755 },
    { name: 'helm/helm', data: Buffer.from('helm'), deflate: false, mode: 0o644 },
  ]);
  const entries = listZip(zip);
  expect(entries.map((e) => [e.name, e.mode, e.size])).toEqual([['kubectl/kubectl', 0o755, big.length], ['helm/helm', 0o644, 4]]);
  expect(entries[0]?.read().equals(big)).toBe(true);
  expect(entries[1]?.read().toString()).toBe('helm');
});

test('a corrupt entry is reported by name', () => {
  const zip = makeZip([{ name: 'a', data: Buffer.from('hello'), deflate: false, mode: 0o644 }]);
  zip[30 + 1] = 0x58; // flip a data byte after the 30-byte local header and 1-byte name
  expect(() => listZip(zip)[0]?.read()).toThrow(/entry a is corrupt/);
});

test('not a zip', () => {
  expect(() => listZip(Buffer.alloc(100))).toThrow(/not a zip/);
});
