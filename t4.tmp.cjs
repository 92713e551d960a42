const { parse } = require('csv-parse/sync');
const { stringify } = require('csv-stringify');
try { console.log(parse('a,b\n1,2\n\n3,"x\ny"\n5,6\n', { columns: true, trim: true, info: true, skip_empty_lines: true })); } catch (e) { console.log('ERR', e.message, e.code); }
try { console.log(parse('a,b\n1,2\n3\n', { columns: true, trim: true })); } catch (e) { console.log('ERR', e.message, e.code, e.lines); }
try { console.log(parse('a,a\n1,2\n', { columns: true, trim: true })); } catch (e) { console.log('ERR', e.message, e.code); }
try { console.log(parse('a,b\n1,"2\n', { columns: true, trim: true })); } catch (e) { console.log('ERR', e.message, e.code); }
try { console.log(parse('', { columns: true, trim: true })); } catch (e) { console.log('ERR', e.message, e.code); }
try { console.log(parse('\x00\x01\xff garbage', { columns: true, trim: true })); } catch (e) { console.log('ERR', e.message, e.code); }
const s = stringify({ header: true, columns: ['a', 'b'] }); let out=''; s.on('data', d => out += d); s.on('end', () => console.log(JSON.stringify(out))); s.end();
