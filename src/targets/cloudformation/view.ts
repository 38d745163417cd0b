import type { Diagnostic } from '../../diagnostics.js';
import type { Model } from '../../model/model.js';
import type { Decision } from '../target.js';
import type { AlarmsView } from './alarms.js';

/**
 * The view of templates/cloudformation/. Every string leaf is already a YAML token: a JSON-quoted
 * scalar from yamlScalar, a short-form intrinsic (`!Ref X`), or a logical id / keyword that the
 * builder wrote itself. Numbers stay numbers. Every key is present (null when absent).
 */
export type CfnView = {
  header: string[];
  description: string;
  certificateParameter: boolean;
  /** An internal load balancer's security group admits the network of the VpcCidr parameter. */
  vpcCidrParameter: boolean;
  /** Non-native decisions that no single resource carries, as comment lines. */
  gaps: string[];
  securityGroup: { description: string; ingress: IngressView[]; tags: AttributeView[] };
  /** Only when the template creates the access-log bucket. */
  logBucket: { policyResource: string } | null;
  loadBalancer: LoadBalancerView;
  targetGroups: TargetGroupView[];
  listeners: ListenerView[];
  rules: RuleView[];
  /** Sites' own certificates on the HTTPS listener; parameter: when the ARN is a template parameter. */
  certificates: CertificateView[];
  waf: WafView | null;
  alarms: AlarmsView | null;
  nlb: NlbView | null;
};

/** Key/value pairs of *Attributes lists (and of Tags, the same shape); CloudFormation wants every Value as a string. */
export type AttributeView = { key: string; value: string };

export type IngressView = { port: number; protocol?: 'tcp' | 'udp'; cidrKey: 'CidrIp' | 'CidrIpv6'; cidr: string; description: string };

export type LoadBalancerView = {
  /** The physical Name, only with aws.fixedNames; else CloudFormation names it. */
  name: string | null;
  tags: AttributeView[];
  scheme: string;
  ipAddressType: string;
  dependsOnLogPolicy: boolean;
  attributes: AttributeView[];
};

export type TargetGroupView = {
  logicalId: string;
  comments: string[];
  /** The physical Name, only with aws.fixedNames; else CloudFormation names it. */
  name: string | null;
  tags: AttributeView[];
  port: number;
  targetType: string;
  ipAddressType: string | null;
  healthCheck: { path: string; port: string | null; interval: number; timeout: number; healthy: number; unhealthy: number; matcher: string };
  attributes: AttributeView[];
  targets: { id: string; port: number }[] | null;
  outputDescription: string;
};

/** Exactly one of the four is set. */
export type ActionView = {
  forward: string | null;
  /** A canary's weighted forward (weights 0-100), with target group stickiness for `seconds`. */
  weighted: { targets: { targetGroup: string; weight: number }[]; seconds: number } | null;
  fixed: { status: string; body: string } | null;
  redirect: { port: string } | null;
};

export type ListenerView = {
  logicalId: string;
  port: number;
  protocol: 'HTTP' | 'HTTPS';
  tls: { sslPolicy: string; certificate: string } | null;
  defaultAction: ActionView;
  attributes: AttributeView[] | null;
};

export type RuleView = {
  logicalId: string;
  comment: string;
  listener: string;
  priority: number;
  /** host-header values (sites and strictHost). */
  hosts: string[] | null;
  paths: string[] | null;
  /** An http-header condition (a canary's forcing header or cookie). */
  header: { name: string; values: string[] } | null;
  sourceIps: string[] | null;
  action: ActionView;
};

export type CertificateView = { logicalId: string; comment: string; parameter: { name: string; description: string } | null; certificate: string };

export type ByteMatchView = { constraint: 'EXACTLY' | 'STARTS_WITH'; search: string };

/** A rate rule's scope-down: the route's own paths, minus the longer routes nested under it. */
export type ScopeDownView = {
  includeOnly: boolean;
  excludeOnly: boolean;
  both: boolean;
  include: ByteMatchView[];
  exclude: ByteMatchView[];
};

export type WafRuleView = { comment: string; name: string; priority: number; limit: number; metricName: string; scopeDown: ScopeDownView | null };

/** name: only with aws.fixedNames. Metric names are YAML tokens: a scalar, or a !Sub on the stack's name. */
export type WafView = { name: string | null; metricName: string; rules: WafRuleView[]; sizeRules: WafSizeRuleView[] };

/** A route's maxBodySize: the body's size (up to 8 KB) or the declared Content-Length (a regex, YAML scalar), within the route's paths. */
export type WafSizeRuleView = { comment: string; name: string; priority: number; metricName: string; scope: ScopeDownView | null; body: number | null; declared: string | null };

/** cloudformation-nlb.yaml (streams); null without streams, and the file is not written. */
export type NlbView = {
  header: string[];
  description: string;
  gaps: string[];
  certificateParameter: boolean;
  vpcCidrParameter: boolean;
  securityGroup: { description: string; ingress: IngressView[]; tags: AttributeView[] };
  loadBalancer: { name: string | null; scheme: string; tags: AttributeView[]; attributes: AttributeView[] };
  targetGroups: NlbTargetGroupView[];
  listeners: NlbListenerView[];
};

export type NlbTargetGroupView = {
  logicalId: string;
  comment: string;
  protocol: 'TCP' | 'UDP' | 'TCP_UDP';
  port: number;
  targetType: string;
  /** path and matcher with protocol HTTP only; port null: the traffic port; timeout null: AWS's default. */
  healthCheck: { protocol: 'TCP' | 'HTTP'; path: string | null; port: string | null; interval: number; timeout: number | null; healthy: number; unhealthy: number; matcher: string | null };
  attributes: AttributeView[];
  tags: AttributeView[];
  targets: { id: string; port: number }[] | null;
  outputDescription: string;
};

export type NlbListenerView = {
  logicalId: string;
  comment: string;
  port: number;
  protocol: 'TCP' | 'UDP' | 'TLS' | 'TCP_UDP';
  tls: { sslPolicy: string; certificate: string } | null;
  targetGroup: string;
  /** tcp.idle_timeout.seconds, on TCP listeners only. */
  attributes: AttributeView[] | null;
};

/** What every builder of this target appends to. */
export type Ctx = { readonly model: Model; readonly decisions: Decision[]; readonly diagnostics: Diagnostic[] };
