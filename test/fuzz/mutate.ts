/** Seeded mutations of a text: deletions, insertions and splices of lines and characters. */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

const NOISE = ['', ' ', ':', '- ', '{', '}', '[', ']', '"', "'", '#', '&a', '*a', '!!binary', '\t', '\n', '  x: 1\n', '0', '-1', '99999999999', 'null', '~', '|', '>', '%', '$', '\\', '\u2028', '\u0000', '\ufeff', '? ', '<<: *a', '@'];

export function mutate(text: string, random: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  let out = text;
  const rounds = 1 + Math.floor(random() * 4);
  for (let r = 0; r < rounds; r++) {
    const lines = out.split('\n');
    const at = Math.floor(random() * lines.length);
    const kind = Math.floor(random() * 6);
    if (kind === 0) lines.splice(at, 1);
    else if (kind === 1) lines.splice(at, 0, pick(lines));
    else if (kind === 2) lines.splice(at, 0, ...lines.slice(Math.floor(random() * lines.length), Math.floor(random() * lines.length)));
    else {
      const line = lines[at] ?? '';
      const col = Math.floor(random() * (line.length + 1));
      const cut = kind === 3 ? Math.floor(random() * 4) : 0;
      lines[at] = line.slice(0, col) + (kind === 5 ? '' : pick(NOISE)) + line.slice(col + cut + (kind === 5 ? 1 + Math.floor(random() * 5) : 0));
    }
    out = lines.join('\n');
  }
  return out;
}
