# search_replay (issue 16): replays search strategies against a tabular benchmark exported from a sweep. Reads
# HDF5 and the configuration schema only: no LibTorch, no MPI. It runs the product's racing rule and TPE sampler
# (dts_search), so it waits for that library.
if(TARGET dts_search)
  add_executable(search_replay ${CMAKE_CURRENT_LIST_DIR}/search_replay.cc)
  target_link_libraries(search_replay PRIVATE dts_search dts_config dts_schema dts_common Boost::program_options)
  target_compile_options(search_replay PRIVATE ${DTS_WARNINGS})
endif()

# table_trial (issue 26): a drop-in trial command that answers from the same table, so that a real dts-sweep
# run (coordinator, ASHA, racing, final stage) can be checked against the replay (search_replay --check).
add_executable(table_trial ${CMAKE_CURRENT_LIST_DIR}/table_trial.cc)
target_link_libraries(table_trial PRIVATE dts_config dts_schema dts_common Boost::program_options)
target_compile_options(table_trial PRIVATE ${DTS_WARNINGS})
