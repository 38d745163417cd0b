import { cloudformation } from './cloudformation/build.js';
import { haproxy } from './haproxy/build.js';
import { nginx } from './nginx/build.js';
import type { Target, TargetName } from './target.js';

/** Adding a target: a folder in src/targets/ and templates/, and one line here (see README.md beside this file). */
export const TARGETS: Record<TargetName, Target> = {
  nginx: nginx as Target,
  haproxy: haproxy as Target,
  cloudformation: cloudformation as Target,
};

export const TARGET_NAMES = Object.keys(TARGETS) as TargetName[];
