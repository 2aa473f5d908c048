#!/usr/bin/env node
// `tinyhttp-mt [root]`: the threaded engine by default.
import { runCli } from '../main';

void runCli(process.argv.slice(2), { binaryName: 'tinyhttp-mt', defaultMode: 'threaded' });
