# The synthetic trial is a test double (tests/orchestrator): the benchmark needs the tests built.
if(TARGET dts-sweep AND TARGET dts-synthetic-trial)
  add_executable(sweep_overhead ${CMAKE_CURRENT_LIST_DIR}/sweep_overhead.cc)
  target_link_libraries(sweep_overhead PRIVATE nlohmann_json::nlohmann_json)
  add_dependencies(sweep_overhead dts-sweep dts-synthetic-trial)
  set(DTS_BENCH_MPI_PREFLAGS "--oversubscribe ${MPIEXEC_PREFLAGS}")
  execute_process(COMMAND id -u OUTPUT_VARIABLE DTS_BENCH_UID OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(DTS_BENCH_UID STREQUAL "0")
    string(APPEND DTS_BENCH_MPI_PREFLAGS " --allow-run-as-root")
  endif()
  target_compile_definitions(sweep_overhead PRIVATE DTS_MPIEXEC="${MPIEXEC_EXECUTABLE}"
                             DTS_MPI_PREFLAGS="${DTS_BENCH_MPI_PREFLAGS}" DTS_SWEEP="$<TARGET_FILE:dts-sweep>"
                             DTS_SYNTHETIC_TRIAL="$<TARGET_FILE:dts-synthetic-trial>")
endif()
