# Writes common/version.cc for the build that is running, not the configure that made the build directory:
# common/CMakeLists.txt runs this script (cmake -P) at every build. configure_file leaves the output untouched
# when its text is unchanged, so a build at the same commit and tree state recompiles and relinks nothing.
# Inputs (-D): SOURCE_DIR (the repository), TEMPLATE (version.cc.in), OUTPUT (version.cc), PROJECT_VERSION.
#
# `git describe --always --dirty` names the commit and appends "-dirty" when tracked files differ from it.
# --no-optional-locks: describe would otherwise refresh the index (a write under .git/index.lock) while
# other git commands may hold it; the answer is the same without the refresh.
execute_process(COMMAND git --no-optional-locks describe --always --dirty
                WORKING_DIRECTORY "${SOURCE_DIR}"
                RESULT_VARIABLE git_rc
                OUTPUT_VARIABLE DTS_GIT_VERSION OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET)
if(NOT git_rc EQUAL 0 OR DTS_GIT_VERSION STREQUAL "")
  # A source tarball without .git: say so rather than naming a commit that may not be this code.
  set(DTS_GIT_VERSION "unknown")
endif()
configure_file("${TEMPLATE}" "${OUTPUT}" @ONLY)
