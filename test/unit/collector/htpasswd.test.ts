import { md5Crypt } from '../../../src/collector/extensions/md5-crypt.ts';
import { basicAuthorization, parseBasicAuthorization, parseHtpasswd, passwordMatches } from '../../../src/collector/extensions/htpasswd.ts';

// Reference hashes from OpenSSL (`openssl passwd -apr1|-1 -salt s4ltS4lt`), which hashes the UTF-8 bytes.
test.each([
  ['secret pw', '$apr1$', '$apr1$s4ltS4lt$KLhCwBQPJyb54itQde0nO/'],
  ['secret pw', '$1$', '$1$s4ltS4lt$E4KXbJZkQ.44Hs2Oj7WyY1'],
  ['sécret pw', '$apr1$', '$apr1$s4ltS4lt$JLBJdYgdL1Q6j5nbiNypF/'],
  ['sécret pw', '$1$', '$1$s4ltS4lt$w2Rf8wWI6COGrXpXsFLEn1'],
] as const)('md5-crypt of %j with %s matches OpenSSL', (password, magic, expected) => {
  expect(md5Crypt(password, 's4ltS4lt', magic)).toBe(expected);
});

test.each([
  ['$5$s4ltS4lt$x7/laY9YXZI/Foo1d43vkmanH2OmWD2c67ZPWEHH6t3', 'sécret pw', true],
  ['$5$s4ltS4lt$x7/laY9YXZI/Foo1d43vkmanH2OmWD2c67ZPWEHH6t3', 'secret pw', false],
  ['$2b$04$2j.g/N9x.h9AaCzUR9Vw6e74/IkL96HDLlJnUDzOdwIak.1oT2CB2', 'sécret pw', true],
  ['$2y$04$2j.g/N9x.h9AaCzUR9Vw6e74/IkL96HDLlJnUDzOdwIak.1oT2CB2', 'sécret pw', true],
  ['{SHA}vcNieP07L9yllgXcZhnaEUvrGOw=', 'sécret pw', true],
  ['{SSHA}' + Buffer.concat([Buffer.from('0cc8f4c4bc2a0b1e1f38a7c2aa6e9b0d2e7f3f6c', 'hex'), Buffer.from('salt')]).toString('base64'), 'x', false],
  ['{SSHA}AAAA', 'x', false],
  ['plain text', 'plain text', true],
  ['plain text', 'plain tex', false],
] as const)('hash %s against %j: %s', (hash, password, matches) => {
  expect(passwordMatches(hash, password)).toBe(matches);
});

test('{SSHA} is sha1(password + salt) followed by the salt', async () => {
  const { createHash } = await import('node:crypto');
  const salt = Buffer.from('NaCl');
  const digest = createHash('sha1').update('pw').update(salt).digest();
  expect(passwordMatches(`{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`, 'pw')).toBe(true);
  expect(passwordMatches(`{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`, 'pW')).toBe(false);
});

test('htpasswd entries: comments and blank lines skipped, a later line for a user wins, colons kept in hashes', () => {
  expect([...parseHtpasswd('# comment\n\na:1\r\nb:x:y\nnocolon\n:nouser\n', 'a:2')]).toEqual([['a', '2'], ['b', 'x:y']]);
});

test.each([
  [basicAuthorization('user', 'p:w'), { username: 'user', password: 'p:w' }],
  [`bAsIc ${Buffer.from('u:').toString('base64')}`, { username: 'u', password: '' }],
  ['Bearer abc', 'invalid authorization scheme prefix'],
  ['Basic', 'invalid authorization scheme prefix'],
  ['Basic ***', 'invalid authorization format'],
  [`Basic ${Buffer.from('nocolon').toString('base64')}`, 'invalid authorization format'],
])('authorization %j', (value, expected) => {
  expect(parseBasicAuthorization(value)).toEqual(expected);
});
