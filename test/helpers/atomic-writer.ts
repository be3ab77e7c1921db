// Writes a large file atomically, over and over, until killed (test/tools/files.test.ts).
import { writeFileAtomic } from '../../src/fs/atomic-write.js';

const file = process.argv[2]!;
process.stdout.write('writing\n');
for (;;) await writeFileAtomic(file, 'n'.repeat(4_000_000));
