export const TEST_EVENT_PAYLOAD = {
  test: 'event',
};

export const TEST_EVENT_MULTIPLE_PAYLOAD = [
  TEST_EVENT_PAYLOAD,
  {
    test2: 'event2',
  },
];

export const TEST_EVENT_STRING_PAYLOAD = 'some-string';
