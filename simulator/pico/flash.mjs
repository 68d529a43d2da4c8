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
