# A bundle inlined in an HTML <script> must not close it early: fail the build on "</script".
file(READ "${BUNDLE}" text)
string(TOLOWER "${text}" text)
string(FIND "${text}" "</script" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "${BUNDLE} contains \"</script\" at byte ${at}: it cannot be inlined")
endif()
