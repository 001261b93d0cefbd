add_executable(dts-predict ${CMAKE_CURRENT_LIST_DIR}/dts_predict.cc)
target_link_libraries(dts-predict PRIVATE dts_worker Boost::program_options)
target_compile_options(dts-predict PRIVATE ${DTS_WARNINGS})
target_precompile_headers(dts-predict REUSE_FROM dts_model)

add_executable(dts-inspect ${CMAKE_CURRENT_LIST_DIR}/dts_inspect.cc)
target_link_libraries(dts-inspect PRIVATE dts_schema dts_common)
