#!/usr/bin/env node
// A stand-in for fpm, which electron-builder runs to make the deb
// (USE_SYSTEM_FPM=true takes it from PATH): it records the arguments, which
// become the deb's control file (--name: Package, --maintainer, --url:
// Homepage, --description, -d: Depends) and its scripts, keeps the
// after-install script and the .desktop file, and writes an empty package where fpm would.
import { copyFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const value = (flag) => args[args.indexOf(flag) + 1];
writeFileSync(process.env.STANDIN_FPM_RECORD, JSON.stringify(args));
copyFileSync(value('--after-install'), `${process.env.STANDIN_FPM_RECORD}.after-install`);
// The .desktop file goes in as "<temp file>=/usr/share/applications/<name>.desktop".
const desktop = args.find((arg) => /=\/usr\/share\/applications\/[^/]+\.desktop$/.test(arg));
if (desktop) copyFileSync(desktop.slice(0, desktop.lastIndexOf('=')), `${process.env.STANDIN_FPM_RECORD}.desktop`);
writeFileSync(value('--package'), '');
