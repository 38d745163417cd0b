import type { Target } from '../target.js';

// TEMPORARY placeholder while the target is being written.
export const cloudformation: Target<null> = {
  name: 'cloudformation',
  files: [],
  build() {
    throw new Error('cloudformation target not written yet');
  },
};
