curl 'https://api.notion.com/v1/data_sources/00da364baaca4b3b94f521db691d804a' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
