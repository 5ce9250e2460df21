#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// The `dmabuf` executable (package.json `bin`). exitCode, not exit(), so
// stdout is flushed into a pipe before the process ends.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
