const [command] = process.argv.slice(2);
console.log(`tpo ${command ?? ''}`);
