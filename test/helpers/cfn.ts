/**
 * Reading a rendered ALB template back as data: a js-yaml schema that knows CloudFormation's
 * short-form intrinsics (each becomes its long form, `!Ref X` → `{ Ref: 'X' }`), rendering helpers,
 * and a small model of how an ALB listener picks a rule, to test what the rules mean.
 */
import yaml from 'js-yaml';
import { LbgenError, type LocatedDiagnostic } from '../../src/diagnostics.js';
import { generate } from '../../src/pipeline.js';

const SCALAR = ['Ref', 'Sub', 'GetAtt', 'ImportValue', 'GetAZs', 'Base64', 'Condition'];
const SEQUENCE = ['Sub', 'GetAtt', 'Join', 'Select', 'Split', 'If', 'Equals', 'Not', 'And', 'Or', 'FindInMap', 'Cidr'];
const MAPPING = ['Transform'];
const longName = (tag: string) => (tag === 'Ref' || tag === 'Condition' ? tag : `Fn::${tag}`);

export const CFN_SCHEMA = yaml.DEFAULT_SCHEMA.extend([
  ...SCALAR.map((t) => new yaml.Type(`!${t}`, { kind: 'scalar', construct: (d: string) => ({ [longName(t)]: t === 'GetAtt' ? d.split('.') : d }) })),
  ...SEQUENCE.map((t) => new yaml.Type(`!${t}`, { kind: 'sequence', construct: (d: unknown[]) => ({ [longName(t)]: d }) })),
  ...MAPPING.map((t) => new yaml.Type(`!${t}`, { kind: 'mapping', construct: (d: unknown) => ({ [longName(t)]: d }) })),
]);

/** A parsed template is untyped data: `any` below is on purpose. */
export type Resource = { Type: string; DependsOn?: string; Properties: any };
export type Template = { Parameters: Record<string, any>; Resources: Record<string, Resource>; Outputs: Record<string, any>; Description: string };

export const parseTemplate = (text: string): Template => yaml.load(text, { schema: CFN_SCHEMA }) as Template;

/** A topology given as data, rendered for the ALB alone. */
export function renderAlb(topology: object): { text: string; template: Template; warnings: LocatedDiagnostic[] } {
  const r = generate(yaml.dump(topology), { file: 'topology.yaml', targets: ['cloudformation'] });
  const text = r.files[0]!.text;
  return { text, template: parseTemplate(text), warnings: r.diagnostics.filter((d) => d.target === 'cloudformation') };
}

/** The diagnostics of a topology the ALB target refuses (throws when it renders). */
export function albRefusal(topology: object): LocatedDiagnostic[] {
  try {
    renderAlb(topology);
  } catch (e) {
    if (e instanceof LbgenError) return [...e.diagnostics];
    throw e;
  }
  throw new Error('expected the cloudformation target to refuse this topology');
}

export const ofType = (t: Template, type: string): [string, Resource][] => Object.entries(t.Resources).filter(([, r]) => r.Type === type);

/** A listener's rules, lowest priority first. */
export function rulesOf(t: Template, listener: string): Resource['Properties'][] {
  return ofType(t, 'AWS::ElasticLoadBalancingV2::ListenerRule')
    .map(([, r]) => r.Properties)
    .filter((p) => p.ListenerArn.Ref === listener)
    .sort((a, b) => a.Priority - b.Priority);
}

/** ALB path patterns: case-sensitive, `*` any run of characters, `?` one character. */
const globMatch = (pattern: string, path: string): boolean =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(path);

const ipv4 = (a: string): number => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
function inCidr(ip: string, cidr: string): boolean {
  const [net = '', bits = '32'] = cidr.split('/');
  if (net.includes(':') || ip.includes(':')) return net === ip;
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(ip) / size) === Math.floor(ipv4(net) / size);
}

/** What the listener does with a request: the first rule (by priority) whose conditions all hold, else the default. */
export function decide(t: Template, listener: string, path: string, sourceIp = '198.51.100.7'): string {
  const matches = (c: any) =>
    c.Field === 'path-pattern' ? c.PathPatternConfig.Values.some((p: string) => globMatch(p, path)) : c.SourceIpConfig.Values.some((v: string) => inCidr(sourceIp, v));
  const rule = rulesOf(t, listener).find((r) => r.Conditions.every(matches));
  const action = (rule ? rule.Actions : t.Resources[listener]!.Properties.DefaultActions)[0];
  if (action.Type === 'forward') return action.TargetGroupArn.Ref;
  if (action.Type === 'fixed-response') return action.FixedResponseConfig.StatusCode;
  return `redirect:${action.RedirectConfig.Port}`;
}

/** A target group's attributes as a map. */
export const attributesOf = (r: Resource, key = 'TargetGroupAttributes'): Record<string, unknown> =>
  Object.fromEntries((r.Properties[key] as { Key: string; Value: unknown }[]).map((a) => [a.Key, a.Value]));
