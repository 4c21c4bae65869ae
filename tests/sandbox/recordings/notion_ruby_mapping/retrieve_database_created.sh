curl 'https://api.notion.com/v1/databases/c7697137d49f49c2bbcdd6a665c4f921' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
