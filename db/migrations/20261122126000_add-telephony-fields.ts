// The call attempt's telephony record: each leg's latest Twilio status, the SIP answer, Twilio's error and the recording's deletion.
import type { Knex } from 'knex';
import { time } from '../../server/db/schema.js';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('call_attempts', (t) => {
    t.string('caller_leg_status', 20);
    t.string('complainant_leg_status', 20);
    t.integer('sip_response_code');
    t.text('error_params');
    t.integer('twilio_error_code');
    time(t, 'recording_deleted_at');
    // the IVR answer, kept so a retried keypad webhook records nothing twice
    t.string('ivr_digits', 20);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('call_attempts', (t) => {
    t.dropColumn('caller_leg_status');
    t.dropColumn('complainant_leg_status');
    t.dropColumn('sip_response_code');
    t.dropColumn('error_params');
    t.dropColumn('twilio_error_code');
    t.dropColumn('recording_deleted_at');
    t.dropColumn('ivr_digits');
  });
}
