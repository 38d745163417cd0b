import type { Target } from '../target.js';

// TEMPORARY placeholder while the target is being written.
export const haproxy: Target<null> = {
  name: 'haproxy',
  files: [],
  build() {
    throw new Error('haproxy target not written yet');
  },
};
