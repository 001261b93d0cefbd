add_executable(dts-vectors ${CMAKE_CURRENT_LIST_DIR}/dts_vectors.cc)
target_link_libraries(dts-vectors PRIVATE dts_vectors Boost::program_options)
target_compile_options(dts-vectors PRIVATE ${DTS_WARNINGS})
