// Tallies of the flash operations the boot ROM's routines do on the emulated
// Pico's flash: what a change costs in erases and programs (wear) is counted
// on the chip, not estimated.

export class FlashTally {
  constructor(sector, page) {
    this.sector = sector;
    this.page = page;
    this.erase_calls = 0;
    this.sectors_erased = 0;
    this.program_calls = 0;
    this.pages_programmed = 0;
  }

  erased(count) {
    this.erase_calls += 1;
    this.sectors_erased += Math.ceil(count / this.sector);
  }

  programmed(count) {
    this.program_calls += 1;
    this.pages_programmed += Math.ceil(count / this.page);
  }

  ops() {
    // operations so far (erases and programs, each call one): the index a power cut is armed by
    return this.erase_calls + this.program_calls;
  }

  stats() {
    const { erase_calls, sectors_erased, program_calls, pages_programmed } = this;
    return { erase_calls, sectors_erased, program_calls, pages_programmed };
  }
}

// A power cut in the middle of a flash operation. NOR flash (W25Q16JV datasheet: a page program turns
// bits from 1 to 0 only, an erase sets every bit of its sector to 1) cut off mid-operation leaves the
// cells it was working on in between, the rest as they were. Two shapes of what it leaves:
//   prefix  the first `frac` of the operation's bytes done, the others as before (the order it works in)
//   bits    each bit the operation would change changed with probability `frac` (seeded), the others not
// Armed for the `op`-th operation (of `kind` erase or program, or of either) counted from the arming, by
// FlashTally's count: flash operations are counted there, once.
export class PowerCut {
  constructor(tally) {
    this.tally = tally;
    this.at = 0; // tally.ops() value of the operation that is cut, 0: none armed
    this.spec = null;
  }

  arm(spec) {
    const full = { mode: 'prefix', kind: 'any', seed: 1, ...spec };
    if (!(full.op >= 1) || !(full.frac >= 0 && full.frac <= 1) || !['prefix', 'bits'].includes(full.mode) ||
        !['any', 'erase', 'program'].includes(full.kind)) {
      throw new Error(`bad power cut ${JSON.stringify(spec)}: op >= 1, 0 <= frac <= 1, mode prefix or bits, ` +
                      'kind any, erase or program');
    }
    this.spec = full;
    this.at = this._count() + full.op;
    this.rand = mulberry32(full.seed);
  }

  _count() {
    const t = this.tally;
    return { any: t.ops(), erase: t.erase_calls, program: t.program_calls }[this.spec.kind];
  }

  due(kind) {
    // the operation about to be done (an 'erase' or a 'program') is the one to cut
    return this.at > 0 && (this.spec.kind === 'any' || this.spec.kind === kind) && this._count() + 1 === this.at;
  }

  erase(flash, start, count) {
    // an erase cut short: bytes of [start, start + count) set to 0xFF in part; how many bytes changed
    return this._partly(flash, start, count, () => 0xff);
  }

  program(flash, start, data) {
    // a program cut short: bits of `data` cleared in part; how many bytes changed
    return this._partly(flash, start, data.length, (i) => flash[start + i] & data[i]);
  }

  _partly(flash, start, count, target) {
    const { mode, frac } = this.spec;
    this.at = 0;
    let changed = 0;
    const done = mode === 'prefix' ? Math.floor(frac * count) : count;
    for (let i = 0; i < done; i++) {
      const old = flash[start + i];
      let want = target(i);
      if (mode === 'bits') {
        let flip = old ^ want; // the bits the operation changes: keep each with probability frac
        for (let bit = 1; bit < 256; bit <<= 1) if (flip & bit && this.rand() >= frac) flip &= ~bit;
        want = old ^ flip;
      }
      if (want !== old) changed += 1;
      flash[start + i] = want;
    }
    return changed;
  }
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The flash's Read Unique ID command (0x4B, W25Q16JV datasheet 8.2.40): four dummy bytes, then the
// 64-bit ID, clocked out byte for byte as the SDK's flash_do_cmd sends its own (pico_unique_id reads it
// at boot; machine.unique_id() returns it). The emulator's SSI talks to no flash chip: without this,
// every emulated Pico reads an all-zero ID.
const CMD_UNIQUE_ID = 0x4b;
const CMD_READ_STATUS = 0x05;
const SSI_DR0 = 0x60;
const ID_FROM = 5; // command and dummy bytes before the ID

export function answerUniqueId(mcu, idHex) {
  const id = Buffer.from(idHex, 'hex');
  const ssi = mcu.peripherals[0x18000];
  const write = ssi.writeUint32.bind(ssi);
  let at = -1; // byte of the unique-ID transfer going on, -1 none
  ssi.writeUint32 = (offset, value) => {
    if (offset !== SSI_DR0) return write(offset, value);
    if (at < 0 && (value & 0xff) === CMD_UNIQUE_ID) at = 0;
    if (at >= 0) {
      ssi.dr0 = at >= ID_FROM ? id[at - ID_FROM] : 0;
      at = at + 1 < ID_FROM + id.length ? at + 1 : -1;
    } else if ((value & 0xff) === CMD_READ_STATUS) {
      ssi.dr0 = 0; // not busy: as rp2040js answers stage 2
    }
  };
}
