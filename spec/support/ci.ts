/** The one CI switch of the test suites: where a missing tool (chromium, python-socketio) must fail, never skip. */

/** True when `CI` is set to anything but '', '0' or 'false'. */
export const IN_CI = process.env.CI !== undefined && !/^(|0|false)$/i.test(process.env.CI.trim());
