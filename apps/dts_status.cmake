# dts-status: reads a sweep directory (HDF5 through dts_schema); never LibTorch or MPI, so it runs on a
# login node.
add_executable(dts-status ${CMAKE_CURRENT_LIST_DIR}/dts_status.cc)
target_link_libraries(dts-status PRIVATE dts_status dts_common)
target_compile_options(dts-status PRIVATE ${DTS_WARNINGS})
