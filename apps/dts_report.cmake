# dts-report: reads HDF5 only (dts_reports -> dts_schema); never LibTorch or MPI.
add_executable(dts-report ${CMAKE_CURRENT_SOURCE_DIR}/dts_report.cc)
target_link_libraries(dts-report PRIVATE dts_reports dts_common Boost::program_options)
target_compile_options(dts-report PRIVATE ${DTS_WARNINGS})
