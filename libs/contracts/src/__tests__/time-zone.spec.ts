import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { isIanaTimeZone, PutUserSettingsRequest } from '../identity';

describe('isIanaTimeZone', () => {
  it('accepts IANA names, links to them and UTC', () => {
    for (const zone of ['Europe/Paris', 'UTC', 'Asia/Kolkata', 'Asia/Calcutta', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'America/Port-au-Prince']) {
      expect({ zone, valid: isIanaTimeZone(zone) }).toEqual({ zone, valid: true });
    }
  });

  it('refuses invented names, offsets and non-strings', () => {
    for (const zone of ['Mars/Phobos', 'Europe/Atlantis', '+01:00', 'UTC+1', '', 'Europe/Paris ', 42, null]) {
      expect({ zone, valid: isIanaTimeZone(zone) }).toEqual({ zone, valid: false });
    }
  });

  it('names the field of the settings document', () => {
    const errors = validateSync(plainToInstance(PutUserSettingsRequest, { timezone: 'Mars/Phobos' }));
    expect(errors.map((e) => [e.property, Object.values(e.constraints ?? {})])).toEqual([
      ['timezone', ['timezone must be an IANA time zone such as Europe/Paris']],
    ]);
  });
});
