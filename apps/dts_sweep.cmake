if(TARGET dts_orchestrator)
  add_executable(dts-sweep ${CMAKE_CURRENT_LIST_DIR}/dts_sweep.cc)
  target_link_libraries(dts-sweep PRIVATE dts_orchestrator Boost::program_options)
  target_compile_options(dts-sweep PRIVATE ${DTS_WARNINGS})

  # A drop-in for dts-train with the same command line and exit codes, but no training: sleeps, writes a small
  # text result, honours SIGTERM with exit 75, can crash on purpose. Powers the orchestrator tests and
  # bench/sweep_overhead.
  add_executable(dts-synthetic-trial ${CMAKE_CURRENT_LIST_DIR}/dts_synthetic_trial.cc)
  target_link_libraries(dts-synthetic-trial PRIVATE dts_common)
  target_compile_options(dts-synthetic-trial PRIVATE ${DTS_WARNINGS})
endif()
