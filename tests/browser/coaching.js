'use strict';
/* coaching.js - issue 4 tests (trajectories, threads, queue); filled in
 * when those pages land. */
module.exports = function register() {};
