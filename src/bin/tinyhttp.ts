#!/usr/bin/env node
// `tinyhttp [root]`: the async engine by default.
import { runCli } from '../main';

void runCli(process.argv.slice(2), { binaryName: 'tinyhttp', defaultMode: 'async' });
