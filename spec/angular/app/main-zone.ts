import 'zone.js'; // first: zone.js patches the browser's APIs before Angular loads
import { start } from './app';

void start();
