import { PasswordHasher } from '../password-hasher';

describe('PasswordHasher', () => {
  it('hashes and verifies through the gate: right and wrong passwords, and an unknown account', async () => {
    const hasher = new PasswordHasher();
    const stored = await hasher.hash('Correct-Horse-1');
    expect(await Promise.all([hasher.verify(stored, 'Correct-Horse-1'), hasher.verify(stored, 'wrong'), hasher.verify(null, 'Correct-Horse-1')])).toEqual([true, false, false]);
  });
});
