// SPDX-License-Identifier: MIT
// Installs the Debian packages a script needs, because CI starts from a fresh
// machine: as root on Debian it runs apt-get itself; anywhere else it stops
// and prints the exact command to run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Whether `command` is on PATH. */
export function hasCommand(command) {
  return spawnSync('sh', ['-c', `command -v '${command}'`], { stdio: 'ignore' }).status === 0;
}

const canApt = () => process.getuid?.() === 0 && existsSync('/etc/debian_version');
// Other processes may hold the dpkg lock for a while (another install).
const lockWait = ['-o', 'DPkg::Lock::Timeout=600'];

function apt(who, args) {
  console.log(`${who}: apt-get ${args.join(' ')}`);
  const result = spawnSync('apt-get', [...lockWait, ...args], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

/** Stops the process with the command the user should run. */
function stop(who, command) {
  console.error(`${who}: missing Debian packages; run as root:\n  ${command}`);
  process.exit(1);
}

/**
 * Makes sure each `{ command, package }` has its command on PATH, installing
 * the packages of the missing ones (one apt-get update, one install).
 */
export function ensureCommands(who, tools) {
  const missing = [...new Set(tools.filter((t) => !hasCommand(t.command)).map((t) => t.package))];
  if (missing.length === 0) return;
  installPackages(who, missing);
}

/**
 * Installs `packages` (apt names, `name:arch` allowed; none: just update)
 * after one `apt-get update`, first adding a dpkg architecture if asked.
 */
export function installPackages(who, packages, { addArchitecture } = {}) {
  const steps = [];
  if (addArchitecture) steps.push(`dpkg --add-architecture ${addArchitecture}`);
  steps.push('apt-get update');
  if (packages.length) steps.push(`apt-get install -y --no-install-recommends ${packages.join(' ')}`);
  if (!canApt()) stop(who, steps.join(' && '));
  if (addArchitecture) {
    console.log(`${who}: dpkg --add-architecture ${addArchitecture}`);
    if (spawnSync('dpkg', ['--add-architecture', addArchitecture], { stdio: 'inherit' }).status !== 0) stop(who, steps.join(' && '));
  }
  // An update that fails for one unrelated source still leaves Debian's lists usable.
  apt(who, ['update']);
  if (packages.length && !apt(who, ['install', '-y', '--no-install-recommends', ...packages])) stop(who, steps.join(' && '));
}
