#!/usr/bin/env node
// A stand-in for fpm, which electron-builder runs to make the deb
// (USE_SYSTEM_FPM=true takes it from PATH): it records the arguments, which
// become the deb's control file (--name: Package, --maintainer, --url:
// Homepage, --description, -d: Depends) and its scripts, keeps the
// after-install script, and writes an empty package where fpm would.
import { copyFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const value = (flag) => args[args.indexOf(flag) + 1];
writeFileSync(process.env.STANDIN_FPM_RECORD, JSON.stringify(args));
copyFileSync(value('--after-install'), `${process.env.STANDIN_FPM_RECORD}.after-install`);
writeFileSync(value('--package'), '');
