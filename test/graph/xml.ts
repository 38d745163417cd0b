import { spawnSync } from 'node:child_process';

/**
 * The text of every <text> element of an SVG, read by a real XML parser (Python's expat, there
 * wherever cfn-lint is): it throws on a document that is not well-formed XML.
 */
export function svgTexts(svg: string): string[] {
  const script = [
    'import json, sys, xml.etree.ElementTree as ET',
    'root = ET.fromstring(sys.stdin.buffer.read())',
    "print(json.dumps([''.join(t.itertext()) for t in root.iter('{http://www.w3.org/2000/svg}text')]))",
  ].join('\n');
  const r = spawnSync('python3', ['-c', script], { input: svg, encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`not well-formed XML: ${r.stderr.trim().split('\n').pop()}`);
  return JSON.parse(r.stdout) as string[];
}
