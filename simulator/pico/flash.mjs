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

  stats() {
    const { erase_calls, sectors_erased, program_calls, pages_programmed } = this;
    return { erase_calls, sectors_erased, program_calls, pages_programmed };
  }
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
