// Loads the installed package by its name and prints the session summary
// as JSON (run by runtimes.test.mjs under Node and Deno).
import * as smtp from 'smtp-rs';
import { session } from './session.js';

console.log(JSON.stringify(session(smtp)));
